import type { SyncFreshness, SyncResult } from '@groupsync/sync'

/** A page of the app before it is drawn: its status, its title (also its heading), its body. */
export interface View {
  readonly status: number
  readonly title: string
  readonly body: string
}

/** What a sign-in's sync left to say on the home page while it lasts. */
export interface SyncSummary {
  readonly notice?: string
  /** Claim entries the organisation has no group for. */
  readonly unmatched: readonly string[]
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:0 1rem 2rem;line-height:1.5}' +
  'header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 0;border-bottom:1px solid #ddd}' +
  '.session{display:flex;gap:1rem;align-items:center}header form{margin:0}.actions{margin-top:2rem}' +
  '[role=alert]{background:#fff4e5;padding:.5rem 1rem;border-left:4px solid #e8a33d}' +
  '.failure{background:#fdecea;padding:.5rem 1rem;border-left:4px solid #d93025}button{font:inherit}'

/**
 * The HTML of a page: every page says in its header whether this browser is signed in (and offers
 * to log out), so no page leaves the user guessing.
 */
export function renderPage(view: View, userId: string | undefined): string {
  const who =
    userId === undefined
      ? '<span id="who">Not signed in</span>'
      : `<span class="session"><span id="who">Signed in as ${escapeHtml(userId)}</span>` +
        '<form method="post" action="/logout"><button type="submit">Log out</button></form></span>'
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(view.title)}</title>` +
    `<style>${STYLE}</style></head><body><header><a href="/">groupsync example</a>${who}</header>` +
    `<main><h1>${escapeHtml(view.title)}</h1>${view.body}</main></body></html>`
  )
}

const link = (href: string, label: string): string =>
  `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`

/** A page that says in one sentence why something did not happen, and the one thing to do next. */
export const failure = (
  status: number,
  title: string,
  sentence: string,
  next: readonly [href: string, label: string],
): View => ({
  status,
  title,
  body: `<p class="failure">${escapeHtml(sentence)}</p><p>${link(...next)}</p>`,
})

const plain = (title: string, sentence: string, next: readonly [string, string]): View => ({
  status: 200,
  title,
  body: `<p>${escapeHtml(sentence)}</p><p>${link(...next)}</p>`,
})

const list = (items: readonly string[], id: string): string =>
  `<ul id="${id}">${items.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`

const HOUR_MS = 3_600_000

/** A duration as a person reads it: `9 h`, `1 h 30 min`, `5 min`. */
const duration = (ms: number): string => {
  const hours = Math.floor(ms / HOUR_MS)
  const minutes = Math.floor((ms % HOUR_MS) / 60_000)
  return [hours > 0 ? `${hours} h` : '', minutes > 0 || hours === 0 ? `${minutes} min` : '']
    .filter((part) => part !== '')
    .join(' ')
}

/**
 * What the home page says about a sign-in's sync: the claim entries the org has no group for,
 * and why the groups did not change when the claim was not applied.
 */
export function summarizeSync(result: SyncResult, orgId: string): SyncSummary {
  switch (result.status) {
    case 'synced':
      return { unmatched: result.unmatchedClaims }
    case 'disabled':
      return {
        notice: `Group mapping is off for ${orgId}, so this sign-in did not change your groups.`,
        unmatched: [],
      }
    case 'kept':
      return {
        notice: 'The provider sent no groups claim, so your groups were kept as they were.',
        unmatched: [],
      }
    case 'stale':
      return {
        notice:
          'The token of this sign-in was issued before a later change here (a newer sign-in, or your removal), so your groups were not changed.',
        unmatched: [],
      }
  }
}

/** The pages of the app, by what happened. */
export const views = {
  signedOutHome: (): View =>
    plain('groupsync example', 'You are not signed in.', ['/login', 'Log in']),

  home: (p: {
    readonly orgId: string
    readonly adminGroup: string
    readonly groups: readonly string[]
    readonly lastSync: SyncSummary | undefined
    readonly providerGroupsPage: string | undefined
  }): View => {
    const unmatched = p.lastSync?.unmatched ?? []
    return {
      status: 200,
      title: `Your groups in ${p.orgId}`,
      body:
        (p.lastSync?.notice === undefined
          ? ''
          : `<p role="alert">${escapeHtml(p.lastSync.notice)}</p>`) +
        (p.groups.length === 0 ? '<p id="groups">none</p>' : list(p.groups, 'groups')) +
        (unmatched.length === 0
          ? ''
          : `<p>The provider also sent these groups, which ${escapeHtml(p.orgId)} does not have, so they give you nothing here:</p>${list(unmatched, 'unmatched')}`) +
        '<ul class="actions">' +
        `<li>${link('/admin', 'Admin page')} (needs the group ${escapeHtml(p.adminGroup)})</li>` +
        `<li>${link('/login', 'Log in again')} to bring your groups up to date with the provider</li>` +
        (p.providerGroupsPage === undefined
          ? ''
          : `<li>${link(p.providerGroupsPage, 'Change groups at the provider')} (development provider)</li>`) +
        '</ul>',
    }
  },

  // A reload of the callback, a link used twice, or one from another browser: say what this
  // browser's session holds, which is all that is known.
  alreadySignedIn: (userId: string): View =>
    plain(
      'Already signed in',
      `You are signed in as ${userId}; this browser has no sign-in in progress for this link to finish.`,
      ['/', 'Continue'],
    ),
  noSignInInProgress: (): View =>
    failure(
      400,
      'No sign-in in progress',
      'This browser has no sign-in in progress for this link to finish: it was used already, it expired, or it was started in another browser.',
      ['/login', 'Log in'],
    ),

  syncFailed: (code: string, retry: string): View =>
    failure(
      503,
      'Your groups could not be updated',
      `The groups could not be read or written (${code}), so you were not signed in. Try again in a moment.`,
      [retry, 'Try again'],
    ),

  syncTooOld: (
    freshness: Exclude<SyncFreshness, { status: 'fresh' }>,
    maxAgeMs: number,
    retry: string,
  ): View => {
    const why =
      freshness.status === 'never-synced'
        ? 'Your groups have never been synced here'
        : freshness.reason === 'in-the-future'
          ? 'Your last sync is dated in the future (a clock is wrong)'
          : `Your groups were last synced ${duration(freshness.ageMs)} ago, longer than the ${duration(maxAgeMs)} this page allows`
    return failure(
      403,
      'Log in again',
      `${why}, so a change at the provider may not have reached this app. Log in again to refresh them.`,
      [retry, 'Log in again'],
    )
  },
  forbidden: (group: string, orgId: string, retry: string): View =>
    failure(
      403,
      'Forbidden',
      `This page needs the group ${group} in ${orgId}, and you are not in it. If the provider has added you since your last sign-in, log in again.`,
      [retry, 'Log in again'],
    ),
  admin: (): View => ({ status: 200, title: 'Admin', body: '<p>Welcome, administrator.</p>' }),

  logout: (userId: string): View => ({
    status: 200,
    title: 'Log out',
    body:
      `<p>Log out ${escapeHtml(userId)} from this app and from the provider?</p>` +
      '<form method="post" action="/logout"><button type="submit">Log out</button></form>',
  }),
  signedOut: (): View =>
    plain('Signed out', 'You are signed out of this app.', ['/login', 'Log in']),

  notFound: (): View =>
    failure(404, 'Page not found', 'This app has no page at this address.', [
      '/',
      'Go to the home page',
    ]),
  unexpected: (): View =>
    failure(
      500,
      'Something went wrong',
      'Something went wrong on our side. Please try again in a moment.',
      ['/', 'Go to the home page'],
    ),
}
