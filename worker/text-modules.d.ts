// Templates and CSS are bundled as text by the wrangler `rules` in wrangler.toml.
declare module '*.mustache' {
  const text: string;
  export default text;
}
declare module '*.css' {
  const text: string;
  export default text;
}
/** Browser scripts served as files (templates/*.txt; plain text so the bundler leaves them be). */
declare module '*.txt' {
  const text: string;
  export default text;
}
