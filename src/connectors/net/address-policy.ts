/**
 * Which addresses outbound requests may reach. Only global unicast addresses by default:
 * loopback, private (RFC 1918, IPv6 unique local), link-local (and with it the cloud metadata
 * endpoints 169.254.169.254 / fd00:ec2::254), CGNAT (100.64/10, Alibaba's metadata 100.100.100.200),
 * unspecified (0.0.0.0, ::), multicast, broadcast, reserved and translation ranges are refused.
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries. Address
 * classes come from ipaddr.js.
 *
 * An allow list opens exceptions: `*` (everything), CIDRs (`10.0.0.0/8`, `fd00::/8`), single
 * addresses, host names (`crm.internal`, `*.corp.example`) matched against the URL's host, or
 * one socket (`127.0.0.1:4301`, `[::1]:4301`, `crm.internal:8080`): that host on that port only.
 *
 * @example
 * ```ts
 * const policy = parseAllowList('10.0.0.0/8, crm.internal')
 * refusalOf('10.1.2.3', policy)   // null: allowed by the CIDR
 * refusalOf('127.0.0.1', policy)  // 'loopback'
 * ```
 * @module
 */
import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

export interface AllowList {
  all: boolean
  cidrs: Array<[Address, number]>
  /** Lower-case host names; `*.x` entries match sub-domains of x. */
  hosts: string[]
  /** `host:port` entries (host as in the URL, IPv6 without brackets). */
  sockets: string[]
  /** The entries as given, for messages. */
  entries: string[]
}

export const NOTHING_ALLOWED: AllowList = Object.freeze({ all: false, cidrs: [], hosts: [], sockets: [], entries: [] }) as AllowList

const HOST_RE = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/

/**
 * Parse an allow list: `true`/`'*'` allows everything; a string is comma-separated; entries are
 * CIDRs, addresses or host names. Throws an Error naming the first entry that is none of these.
 */
export function parseAllowList(value: boolean | string | readonly string[] | undefined | null): AllowList {
  if (value === undefined || value === null || value === false) return NOTHING_ALLOWED
  if (value === true) return { all: true, cidrs: [], hosts: [], sockets: [], entries: ['*'] }
  const entries = (typeof value === 'string' ? value.split(',') : [...value]).map((e) => e.trim()).filter(Boolean)
  const out: AllowList = { all: false, cidrs: [], hosts: [], sockets: [], entries }
  for (const entry of entries) {
    if (entry === '*') {
      out.all = true
      continue
    }
    const bare = entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2')
    if (bare.includes('/') && !bare.includes('://')) {
      try {
        const [addr, bits] = ipaddr.parseCIDR(bare)
        out.cidrs.push([addr, bits])
        continue
      } catch {
        throw new Error(`"${entry}" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`)
      }
    }
    if (ipaddr.isValid(bare)) {
      const addr = ipaddr.parse(bare)
      out.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128])
      continue
    }
    const socket = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(entry)
    if (socket) {
      const h = (socket[1] ?? socket[2]!).toLowerCase()
      if (!ipaddr.isValid(h) && !HOST_RE.test(h)) throw new Error(`"${entry}" is not host:port`)
      out.sockets.push(`${h}:${Number(socket[3])}`)
      continue
    }
    const host = entry.toLowerCase()
    if (!HOST_RE.test(host)) throw new Error(`"${entry}" is not a CIDR, an IP address or a host name`)
    out.hosts.push(host.replace(/\.$/, ''))
  }
  return out
}

/** Both lists' exceptions. */
export function mergeAllowLists(a: AllowList, b: AllowList): AllowList {
  if (a === NOTHING_ALLOWED) return b
  if (b === NOTHING_ALLOWED) return a
  return {
    all: a.all || b.all,
    cidrs: [...a.cidrs, ...b.cidrs],
    hosts: [...a.hosts, ...b.hosts],
    sockets: [...a.sockets, ...b.sockets],
    entries: [...new Set([...a.entries, ...b.entries])],
  }
}

/** True when `hostname` (from the URL, IPv6 without brackets) on `port` is named by the allow list. */
export function hostAllowedByList(hostname: string, list: AllowList, port?: number | string): boolean {
  if (list.all) return true
  const h = hostname.toLowerCase().replace(/\.$/, '')
  if (port !== undefined && port !== '' && list.sockets.includes(`${h}:${Number(port)}`)) return true
  return list.hosts.some((rule) => (rule.startsWith('*.') ? h.endsWith(rule.slice(1)) : rule === h))
}

const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2'])

const CLASS_NAMES: Record<string, string> = {
  unspecified: 'unspecified address',
  broadcast: 'broadcast address',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private network',
  uniqueLocal: 'private network (unique local)',
  reserved: 'reserved range',
  deprecatedSiteLocal: 'site-local',
}

/**
 * Why an outbound connection to `address` is refused under `list`, or null when it is allowed.
 * The reason names the address class (`loopback`, `private network`, `cloud metadata endpoint`…).
 */
export function refusalOf(address: string, list: AllowList): string | null {
  if (list.all) return null
  let parsed: Address
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''))
  } catch {
    return 'not an IP address'
  }
  // `::ffff:a.b.c.d` is the IPv4 address it maps; judge (and match) it as that.
  const ip = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed
  for (const [net, bits] of list.cidrs) if (net.kind() === ip.kind() && ip.match(net, bits)) return null
  const range = ip.range()
  if (range === 'unicast') return null
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return 'cloud metadata endpoint'
  return CLASS_NAMES[range] ?? `special-purpose range (${range})`
}
