/**
 * Why a request body was refused, ready for the HTTP boundary: status, `PW_…` code, a
 * message naming what was wrong and where, and optional details.
 * @module
 */
import { type ErrorCode, ErrorCodes } from '../../errors.js'

export interface BodyProblem {
  ok: false
  status: 400 | 415
  code: ErrorCode
  message: string
  details?: unknown
}

export function malformed(message: string, details?: unknown): BodyProblem {
  return details === undefined
    ? { ok: false, status: 400, code: ErrorCodes.BAD_REQUEST, message }
    : { ok: false, status: 400, code: ErrorCodes.BAD_REQUEST, message, details }
}

export function unsupported(message: string): BodyProblem {
  return { ok: false, status: 415, code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE, message }
}
