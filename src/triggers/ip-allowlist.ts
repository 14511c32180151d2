/**
 * `allowIps` on a webhook trigger: the addresses (CIDRs or single addresses, IPv4 and IPv6) a
 * sender may post from. The client address is the socket's peer, or — behind `trustedProxies`
 * reverse proxies — the address that many hops back in `X-Forwarded-For`, read right to left
 * (each proxy appends the address it received the request from, so only the right-most entries
 * were written by proxies we trust; anything further left is whatever the client claimed).
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as their IPv4 address.
 * @module
 */
import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6
type Range = [Address, number]

function parseEntry(entry: string): Range | null {
  const text = entry.trim()
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text)
      return normalizeRange(addr, bits)
    }
    if (!ipaddr.isValid(text)) return null
    const addr = ipaddr.process(text)
    return [addr, addr.kind() === 'ipv4' ? 32 : 128]
  } catch {
    return null
  }
}

/** `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8. */
function normalizeRange(addr: Address, bits: number): Range {
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96)
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]
  return [addr, bits]
}

/** Problems with an `allowIps` value, for the trigger compiler (empty when it is valid). */
export function checkAllowIps(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    return ['allowIps must be a non-empty list of addresses or CIDRs, e.g. ["203.0.113.0/24", "2001:db8::/32"]']
  const problems: string[] = []
  for (const entry of value) {
    if (typeof entry !== 'string' || parseEntry(entry) === null)
      problems.push(`${JSON.stringify(entry)} is not an IPv4/IPv6 address or CIDR (e.g. "203.0.113.0/24", "2001:db8::/32", "::1")`)
  }
  return problems
}

/** A matcher for a valid `allowIps` list: does this address fall in one of its ranges? */
export function compileAllowIps(list: readonly string[]): (address: string | null) => boolean {
  const ranges = list.map(parseEntry).filter((r): r is Range => r !== null)
  return (address) => {
    if (!address) return false
    let addr: Address
    try {
      addr = ipaddr.process(address.trim())
    } catch {
      return false
    }
    return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))
  }
}

/**
 * The client's address: the socket peer with no trusted proxy; else the entry `trustedProxies`
 * hops back in the chain `X-Forwarded-For… , peer`. A chain shorter than that gives its
 * left-most entry (the request skipped a proxy; it can only have come from one we trust).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string | null {
  if (!peer) return null
  if (trustedProxies <= 0) return peer
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')
  const chain = [
    ...header
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    peer,
  ]
  return chain[Math.max(0, chain.length - 1 - trustedProxies)] ?? null
}
