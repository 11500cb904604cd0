export { startDirectoryMock } from './directory-mock.js'
export type {
  DirectoryMock,
  DirectoryMockOptions,
  GoogleGroup,
  GraphGroup,
  Misbehaviour,
  SeenRequest,
} from './directory-mock.js'
