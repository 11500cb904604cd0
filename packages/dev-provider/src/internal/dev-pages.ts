import type { IncomingMessage, ServerResponse } from 'node:http'

/** Where the groups page is served, under the issuer. */
export const GROUPS_PAGE_PATH = '/dev/groups'

// A form of a few lines of group names; anything bigger is not a person typing.
const MAX_BODY_BYTES = 64 * 1024

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}' +
  'form.account{margin:1rem 0;padding:1rem;background:#f4f4f4;border-radius:4px}label{display:block;font-weight:600}' +
  'textarea,input[type=text]{display:block;width:100%;box-sizing:border-box;margin:.25rem 0 .5rem;font:inherit}' +
  'button{font:inherit;padding:.3rem 1rem}[role=status]{background:#e6f4ea;padding:.5rem 1rem}'

/** A page of the development provider (its own pages, not the ones oidc-provider draws). */
export const providerPage = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`

/**
 * The confirmation oidc-provider shows on RP-initiated logout; `form` is its hidden form, which
 * the two buttons submit (with `logout=yes` to end the session at the provider).
 */
export const logoutPage = (form: string): string =>
  providerPage(
    'Sign out of the development provider?',
    `${form}<p>The application asked to end your session at the provider too, so the next sign-in asks for your name again.</p>` +
      '<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button> ' +
      '<button type="submit" form="op.logoutForm">No, stay signed in</button>',
  )

/** Where oidc-provider lands after a logout with no redirect back to an application. */
export const loggedOutPage = (): string =>
  providerPage('Signed out', '<p>You are signed out of the development provider.</p>')

const send = (response: ServerResponse, status: number, html: string): void => {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  })
  response.end(html)
}

const refuse = (response: ServerResponse, status: number, sentence: string): void => {
  send(
    response,
    status,
    providerPage(
      'Not saved',
      `<p>${escapeHtml(sentence)}</p><p><a href="${GROUPS_PAGE_PATH}">Back to the groups page</a></p>`,
    ),
  )
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function renderGroupsPage(groups: ReadonlyMap<string, readonly string[]>, saved?: string): string {
  const savedList = saved === undefined ? undefined : groups.get(saved)
  const notice =
    saved === undefined || savedList === undefined
      ? ''
      : `<p role="status">Saved: ${escapeHtml(saved)} now has ${savedList.length === 0 ? 'no groups' : escapeHtml(savedList.join(', '))}. ` +
        'Their next sign-in carries this; an application sees the change only then.</p>'
  const account = (sub: string, list: readonly string[], index: number): string =>
    `<form class="account" method="post"><input type="hidden" name="sub" value="${escapeHtml(sub)}">` +
    `<label for="groups-${index}">Groups of ${escapeHtml(sub)} (one per line)</label>` +
    `<textarea id="groups-${index}" name="groups" rows="${Math.max(3, list.length + 1)}">${escapeHtml(list.join('\n'))}</textarea>` +
    `<button type="submit">Save the groups of ${escapeHtml(sub)}</button></form>`
  return providerPage(
    'Accounts and groups at the development provider',
    `${notice}<p>What the provider sends in the <code>groups</code> claim of each account. ` +
      'Leave a list empty to send an empty claim.</p>' +
      [...groups].map(([sub, list], index) => account(sub, list, index)).join('') +
      '<form class="account" method="post"><label for="new-sub">New account (login name)</label><input type="text" id="new-sub" name="sub" required>' +
      '<label for="new-groups">Its groups (one per line)</label><textarea id="new-groups" name="groups" rows="3"></textarea>' +
      '<button type="submit">Add the account</button></form>',
  )
}

/**
 * The development provider's groups page: lists every account's groups and changes them from a
 * form, so a person can try a change at the provider without code. A change is accepted only from
 * the provider's own page (the `Origin` of the form post), so another site cannot make it.
 */
export async function serveGroupsPage(
  request: IncomingMessage,
  response: ServerResponse,
  issuer: string,
  groups: Map<string, readonly string[]>,
): Promise<void> {
  const url = new URL(request.url ?? '/', issuer)
  if (request.method === 'GET') {
    send(response, 200, renderGroupsPage(groups, url.searchParams.get('saved') ?? undefined))
    return
  }
  if (request.method !== 'POST') {
    refuse(response, 405, 'This page only shows the groups and saves its own forms.')
    return
  }
  if (request.headers.origin !== issuer) {
    refuse(response, 403, "Groups can only be changed from the provider's own groups page.")
    return
  }
  const form = await readForm(request)
  const sub = form?.get('sub')?.trim() ?? ''
  if (form === undefined || sub === '' || sub.length > 255) {
    refuse(response, 400, 'The form needs a login name of 1 to 255 characters and its groups.')
    return
  }
  const list = (form.get('groups') ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
  groups.set(sub, [...new Set(list)])
  response.writeHead(303, { location: `${GROUPS_PAGE_PATH}?saved=${encodeURIComponent(sub)}` })
  response.end()
}
