export { CLAIMS_ERROR_CODES, ClaimsError } from './claims-error.js'
export type { ClaimsErrorCode, ClaimsErrorOptions, ClaimSource } from './claims-error.js'
export { formatDottedPath, formatJsonPointer, parseClaimPath } from './claim-path.js'
export type { ClaimPath } from './claim-path.js'
export {
  ClaimShapeCodec,
  ClaimSourcesCodec,
  DEFAULT_MAX_GROUPS,
  DEFAULT_MAX_NAME_LENGTH,
  GroupsClaimOptionsCodec,
  KeycloakPathModeCodec,
} from './claims-options.js'
export type {
  ClaimShape,
  ClaimSources,
  GroupsClaimOptions,
  KeycloakPathMode,
} from './claims-options.js'
export type { GroupsClaimState } from './groups-claim-state.js'
export { extractGroupsClaim, ExtractGroupsClaimInputCodec } from './extract-groups-claim.js'
export type { ExtractGroupsClaimInput } from './extract-groups-claim.js'
export {
  applyClaimValueMapping,
  ClaimValueMappingCodec,
  compileClaimValueMapping,
} from './claim-value-mapping.js'
export type {
  ClaimValueMapping,
  CompiledClaimValueMapping,
  MappedClaimValues,
} from './claim-value-mapping.js'
export {
  isProviderPresetName,
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  providerPreset,
  ProviderPresetNameCodec,
} from './presets/index.js'
export type {
  PresetReference,
  PresetResolver,
  ProviderPreset,
  ProviderPresetName,
} from './presets/index.js'
export { IdTokenVerificationCodec } from './id-token-verification.js'
export type { IdTokenVerification, JwksInput } from './id-token-verification.js'
export { DEFAULT_CLOCK_TOLERANCE_SECONDS, verifyIdToken } from './verify-id-token.js'
export { verifyUserinfoJwt } from './signed-userinfo.js'
export { LoginClaimsInputCodec, readGroupsClaim, verifyLogin } from './read-groups-claim.js'
export type {
  LoginClaimsInput,
  ReadGroupsClaimOptions,
  ReadGroupsClaimResult,
  VerifiedLogin,
} from './read-groups-claim.js'
export {
  createHttpDistributedClaimsResolver,
  DEFAULT_DISTRIBUTED_MAX_BYTES,
  DEFAULT_DISTRIBUTED_TIMEOUT_MS,
  HttpDistributedClaimsResolverOptionsCodec,
  MICROSOFT_GRAPH_ORIGINS,
} from './distributed-claims.js'
export type {
  DistributedClaimsFailure,
  DistributedClaimsResolver,
  HttpDistributedClaimsResolverOptions,
  OverageState,
} from './distributed-claims.js'
export { createMicrosoftGraphGroupsResolver } from './microsoft-graph-groups.js'
export type { MicrosoftGraphGroupsResolverOptions } from './microsoft-graph-groups.js'
export { createGoogleDirectoryGroupsResolver } from './google-directory-groups.js'
export type { GoogleDirectoryGroupsResolverOptions } from './google-directory-groups.js'
export { decodeFailure, decodeWith, guarded, strictObject } from './io-ts-report.js'
export type { DecodeFailure } from './io-ts-report.js'
