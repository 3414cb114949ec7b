// skeleton.js is bundled as text (wrangler.toml rules) and served at /_edge/skeleton.js.
declare const text: string;
export default text;
