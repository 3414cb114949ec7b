// Escaping for the XML documents (feeds, badge). Customer text may hold anything a JSON string
// can, including characters XML 1.0 forbids outright (NUL, most C0 controls, lone surrogates,
// U+FFFE/U+FFFF): one of those would make the whole feed unparseable, so they become U+FFFD.

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text safe for XML character data and attribute values alike. */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITY[c]!);
}

/** Text safe inside HTML (for HTML that is then carried, escaped again, inside XML). */
export function htmlEscape(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
