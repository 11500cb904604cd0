/** Whether `error` is Node's failure to find the package `name` (not a module inside it). */
export function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.includes(`Cannot find package '${name}'`)
  )
}
