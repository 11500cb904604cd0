import { definePreset } from './provider-preset.js'

/**
 * LemonLDAP::NG: a `groups` claim exported from a session variable. By default claims are sent
 * in userinfo only; a single group is a bare string; no group, no claim; and with the claim's
 * array mode set to "never", several groups are one string joined by the separator (`; `).
 */
export const lemonldapNgPreset = definePreset({
  name: 'lemonldap-ng',
  provider: 'LemonLDAP::NG',
  // Reading only the ID token would find nothing and, with absent: empty, remove every
  // membership: read userinfo too. The delimiter splits the joined-string form only (arrays are
  // never split); a group name holding "; " cannot be told apart from two groups.
  claimsOptions: { path: 'groups', sources: 'id_token_then_userinfo', delimiter: '; ' },
  policy: { absent: 'empty' },
  requires: [],
  atProvider: [
    'OpenID Connect Relying Parties → (your RP) → Exported attributes: a claim groups from the session variable holding the groups (for example hGroups), type string, array mode auto or always.',
    'Scope: add groups to the scope values released to the RP and request it at login.',
    'Fetch userinfo after the code exchange (or switch on Release claims in ID token).',
  ],
  references: [
    {
      title: 'LemonLDAP::NG: OpenID Connect Provider',
      url: 'https://lemonldap-ng.org/documentation/latest/idpopenidconnect.html',
      facts:
        'LL::NG gives identity through the ID token and information through the userinfo endpoint; claims are defined per relying party',
    },
    {
      title:
        'LemonLDAP::NG doc source idpopenidconnect.rst, "Claims" (array modes Auto, Always, Never), seen at a mirror of the project',
      url: 'https://forger.sitiv.fr/worteks/lemonldap-ng/commit/d5d97825a7032798ee6541c04e413c11bd57ed46',
      facts:
        'a multi-valued attribute is released as an array (always), as a single value when it has one (auto), or as one string joined by a separator (never)',
    },
  ],
})
