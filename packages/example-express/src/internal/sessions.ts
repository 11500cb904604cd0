import { randomBytes } from 'node:crypto'
import type { Request, Response } from 'express'
import type { SyncSummary } from './pages.js'

/** What the app keeps per browser between requests. */
export interface Session {
  /** The login in progress: what its callback must match, and where to go after it. */
  oidc?: {
    readonly verifier: string
    readonly state: string
    readonly nonce: string
    readonly returnTo: string
  }
  userId?: string
  /** The ID token of the sign-in, sent back to the provider as a hint at logout. */
  idToken?: string
  /** What the sync of this sign-in said, shown on the home page while it lasts. */
  lastSync?: SyncSummary
}

const COOKIE = 'example.sid'

/**
 * Sessions in memory, keyed by a random HttpOnly cookie: enough for an example (a real app uses
 * its session store). `get` makes a session on first use; `end` forgets it and its cookie.
 */
export function createSessions() {
  const byId = new Map<string, Session>()
  const idOf = (req: Request): string | undefined =>
    req.headers.cookie
      ?.split(';')
      .map((part) => part.trim().split('='))
      .find(([name]) => name === COOKIE)?.[1]
  return {
    get: (req: Request, res: Response): Session => {
      const id = idOf(req)
      const existing = id === undefined ? undefined : byId.get(id)
      if (existing !== undefined) return existing
      const fresh = randomBytes(24).toString('base64url')
      const session: Session = {}
      byId.set(fresh, session)
      res.cookie(COOKIE, fresh, { httpOnly: true, sameSite: 'lax', path: '/' })
      return session
    },
    end: (req: Request, res: Response): void => {
      const id = idOf(req)
      if (id !== undefined) byId.delete(id)
      res.clearCookie(COOKIE, { httpOnly: true, sameSite: 'lax', path: '/' })
    },
  }
}
