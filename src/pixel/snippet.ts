/**
 * The copy-paste tag for `</head>`: defines a queueing `touchpoint()` stub so calls made before the
 * script loads are kept, then loads the pixel asynchronously.
 */
export function pixelSnippet(baseUrl: string, pixelId: string): string {
  const src = `${baseUrl.replace(/\/$/, '')}/p/${pixelId}.js`;
  return [
    '<script>',
    '  window.touchpoint = window.touchpoint || function () { (window.touchpoint.q = window.touchpoint.q || []).push(arguments); };',
    '</script>',
    `<script async src="${src}"></script>`,
  ].join('\n');
}
