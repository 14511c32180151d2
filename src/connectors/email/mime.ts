/**
 * Just enough MIME reading for the SMTP emulator: unfolded headers (RFC 5322), encoded words
 * (RFC 2047, B and Q), multipart bodies split at their boundary (nested), and text parts
 * decoded from quoted-printable or base64 (UTF-8 and Latin-1).
 * @module
 */
export interface MimePart {
  headers: Map<string, string>
  contentType: string
  /** Decoded text of a text part; empty for multiparts. */
  text: string
  parts: MimePart[]
}

function splitHead(raw: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw)
  return m ? { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) } : { head: raw, body: '' }
}

export function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, charset: string, enc: string, data: string) => {
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '))
    return bytes.toString(charset.toLowerCase().includes('8859-1') || charset.toLowerCase() === 'latin1' ? 'latin1' : 'utf8')
  })
}

export function parseHeaders(head: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const name = line.slice(0, i).trim().toLowerCase()
    const value = decodeWords(line.slice(i + 1).trim())
    out.set(name, out.has(name) ? `${out.get(name)}, ${value}` : value)
  }
  return out
}

function qpBytes(s: string): Buffer {
  const bytes: number[] = []
  const text = s.replace(/=\r?\n/g, '')
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(...Buffer.from(text[i], 'utf8'))
  }
  return Buffer.from(bytes)
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value)
  return m ? (m[1] ?? m[2]) : undefined
}

export function parseMime(raw: string): MimePart {
  const { head, body } = splitHead(raw)
  const headers = parseHeaders(head)
  const ctHeader = headers.get('content-type') ?? 'text/plain; charset=utf-8'
  const contentType = ctHeader.split(';')[0].trim().toLowerCase()
  if (contentType.startsWith('multipart/')) {
    const boundary = param(ctHeader, 'boundary')
    const parts: MimePart[] = []
    if (boundary) {
      const chunks = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`))
      for (const chunk of chunks.slice(1)) if (chunk.trim() !== '') parts.push(parseMime(chunk))
    }
    return { headers, contentType, text: '', parts }
  }
  const enc = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase()
  const charset = (param(ctHeader, 'charset') ?? 'utf-8').toLowerCase()
  const bytes =
    enc === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : enc === 'quoted-printable'
        ? qpBytes(body)
        : Buffer.from(body, 'utf8')
  const text = bytes.toString(charset.includes('8859-1') || charset === 'latin1' ? 'latin1' : 'utf8').replace(/\r?\n$/, '')
  return { headers, contentType, text, parts: [] }
}

/** The first part of a content type, depth first. */
export function findPart(root: MimePart, contentType: string): MimePart | undefined {
  if (root.contentType === contentType && root.parts.length === 0) return root
  for (const p of root.parts) {
    const found = findPart(p, contentType)
    if (found) return found
  }
  return undefined
}
