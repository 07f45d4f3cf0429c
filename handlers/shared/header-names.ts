/** `Content-Type` from `content-type`: the display key CloudFront events carry beside each lower-case header name. */
export function displayHeaderName(lowerName: string): string {
  return lowerName.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}
