/**
 * The undici dispatcher every connector's HTTP goes through, with the SSRF guard inside its
 * connector: the check happens on the address a socket is about to connect to, after DNS, so a
 * name whose answer changes between two lookups (DNS rebinding) cannot slip past a check made
 * earlier. IP literals are checked before connecting; names are resolved by our `lookup`, which
 * keeps only allowed addresses and hands exactly those to the socket. Every redirect hop opens
 * its connection through the same connector, so a redirect to a private address is refused too.
 *
 * @example
 * ```ts
 * const dispatcher = createGuardedDispatcher({ allow: parseAllowList(process.env.X) })
 * await request('https://api.example.com/v1', { dispatcher })
 * ```
 * @module
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, buildConnector, type Dispatcher, interceptors } from 'undici'
import { PrivateNetworkError } from '../../errors.js'
import { type AllowList, hostAllowedByList, refusalOf } from './address-policy.js'

/** Resolve a host name to its addresses (tests inject one that changes its answers). */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) =>
      err ? reject(err) : resolve(addresses.map((a) => a.address)),
    ),
  )

export interface GuardedDispatcherOptions {
  allow: AllowList
  resolve?: Resolver
  /** Idle keep-alive sockets are closed after this many ms. @defaultValue 30000 */
  keepAliveTimeoutMs?: number
  /** Sockets per origin. @defaultValue 32 */
  connectionsPerOrigin?: number
  /** TCP + TLS connect timeout. @defaultValue 10000 */
  connectTimeoutMs?: number
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** An undici connector that refuses addresses `allow` does not allow, checked at connect time. */
export function guardedConnector(options: GuardedDispatcherOptions): buildConnector.connector {
  const { allow } = options
  const resolve = options.resolve ?? systemResolver
  const timeout = options.connectTimeoutMs ?? 10_000
  const lookup = (hostname: string, opts: { all?: boolean }, cb: LookupCallback) => {
    resolve(hostname).then(
      (addresses) => {
        const ok = addresses.filter((a) => refusalOf(a, allow) === null)
        if (ok.length === 0) {
          const first = addresses[0] ?? ''
          const why = first ? refusalOf(first, allow)! : 'no address'
          return cb(new PrivateNetworkError(hostname, first, why) as unknown as NodeJS.ErrnoException, '')
        }
        if (opts.all)
          return cb(
            null,
            ok.map((address) => ({ address, family: isIP(address) })),
          )
        return cb(null, ok[0]!, isIP(ok[0]!))
      },
      (err: NodeJS.ErrnoException) => cb(err, ''),
    )
  }
  const checked = buildConnector({ timeout, lookup } as buildConnector.BuildOptions)
  const plain = buildConnector({ timeout })
  return (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '')
    const port = opts.port || (opts.protocol === 'https:' ? 443 : 80)
    if (allow.all || hostAllowedByList(host, allow, port)) return plain(opts, callback)
    if (isIP(host)) {
      const why = refusalOf(host, allow)
      if (why) {
        queueMicrotask(() => callback(new PrivateNetworkError(host, host, why), null))
        return undefined as never
      }
      return plain(opts, callback)
    }
    return checked(opts, callback)
  }
}

/**
 * A keep-alive pool per origin whose connections pass the guard. Requests may follow redirects
 * with undici's `maxRedirections` request option (each hop connects through the guard).
 */
export function createGuardedDispatcher(options: GuardedDispatcherOptions): Dispatcher {
  const agent = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connectionsPerOrigin ?? 32,
    connect: guardedConnector(options),
  })
  // A proxy of the agent whose `dispatch` follows redirects when a request asks for them.
  return agent.compose(interceptors.redirect({ maxRedirections: 0 }))
}
