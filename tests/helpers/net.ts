/**
 * The test suite's one opt-in to private networks. Tests talk to emulators and fixture servers on
 * loopback, which the SSRF guard refuses by default; every test that does so takes its allow list
 * from here, so a grep for `LOOPBACK_ALLOWED` finds them all and nothing else is opened.
 */
import { parseAllowList } from '../../src/connectors/net/address-policy.js'
import { createGuardedDispatcher } from '../../src/connectors/net/guarded-dispatcher.js'

/** Loopback in every form the tests use: 127.0.0.1, ::1 and the name localhost. */
export const LOOPBACK_ALLOWED = ['127.0.0.0/8', '::1/128', 'localhost']

/** `createGateway` options that let its connections reach loopback. */
export const loopbackGateway = { allowPrivateNetwork: parseAllowList(LOOPBACK_ALLOWED) }

/** `PIPEWRIGHT_ALLOW_PRIVATE_NETWORK` for child processes (`pipewright start` in a test). */
export const LOOPBACK_ENV = { PIPEWRIGHT_ALLOW_PRIVATE_NETWORK: LOOPBACK_ALLOWED.join(',') }

let shared: ReturnType<typeof createGuardedDispatcher> | null = null

/** The dispatcher for tests that build an action context by hand (connector unit tests). */
export function loopbackDispatcher() {
  shared ??= createGuardedDispatcher({ allow: parseAllowList(LOOPBACK_ALLOWED) })
  return shared
}
