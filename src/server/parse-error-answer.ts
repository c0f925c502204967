/**
 * What a request that failed to parse (or whose headers took too long) is answered, on every
 * listener: node's parser error code to a status, and the short text that goes with it.
 */
export function parseErrorStatus(code: string): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    default:
      return 400;
  }
}

export const PARSE_ERROR_TEXT: Readonly<Record<number, string>> = {
  400: 'the request is malformed',
  408: 'the request headers took too long',
  413: 'the request is too large',
  431: 'the request headers are too large',
};
