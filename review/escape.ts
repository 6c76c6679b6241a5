/**
 * Escaping for what a review writes into a pull-request comment: names and
 * messages come from fleet files and hosts, so none of them may open a tag,
 * end a table cell or turn into Markdown emphasis or a link.
 */

const HTML: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for HTML (inside `<pre>`, `<summary>`, attributes). */
export function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]);
}

/** Text for Markdown, also inside a table cell: HTML-escaped, and Markdown's own marks as entities. */
export function md(text: string): string {
  return html(text)
    .replace(/[|`*_[\]\\~]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/\r?\n/g, "<br>");
}
