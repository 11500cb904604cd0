import { join, relative } from 'node:path'
import ts from 'typescript'
import { ROOT } from './public-packages.js'

/**
 * The product source files a login on the Postgres store runs through: the static imports of
 * values (code that runs; a type-only import runs nothing), followed from the two calls a
 * service makes — `syncOnLogin` (sync) and `createPostgresMembershipStore` (store-postgres) —
 * through the src of core, claims, sync and store-postgres. A name imported from a package is
 * followed to the file that declares it, not to the package's index, since the index only
 * re-exports. Dynamic `import()`s of the product's own files count too.
 */

/** The packages a Postgres login passes through. */
const PACKAGES = ['core', 'claims', 'sync', 'store-postgres'] as const

/** Where the two calls of a service are declared. */
export const LOGIN_ENTRIES = [
  'packages/sync/src/sync-on-login.ts',
  'packages/store-postgres/src/create-postgres-membership-store.ts',
] as const

const isProduct = (file: string): boolean =>
  PACKAGES.some((p) => file.startsWith(join(ROOT, 'packages', p, 'src') + '/')) &&
  !file.endsWith('.d.ts')

/** The files of the login's path, relative to the repository's root, in the order reached. */
export function traceLoginPath(): string[] {
  const program = ts.createProgram(
    LOGIN_ENTRIES.map((f) => join(ROOT, f)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      skipLibCheck: true,
      baseUrl: ROOT,
      // The packages' sources, not their builds: the path is through the code a reader opens.
      paths: Object.fromEntries(
        PACKAGES.map((p) => [`@groupsync/${p}`, [`packages/${p}/src/index.ts`]]),
      ),
    },
  )
  const checker = program.getTypeChecker()
  const reached: string[] = []
  const queue = LOGIN_ENTRIES.map((f) => join(ROOT, f))
  const reach = (file: string | undefined): void => {
    if (file !== undefined && isProduct(file) && !reached.includes(file) && !queue.includes(file)) {
      queue.push(file)
    }
  }
  const declaringFiles = (symbol: ts.Symbol): string[] => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    return (target.declarations ?? []).map((d) => d.getSourceFile().fileName)
  }
  for (let fileName = queue.shift(); fileName !== undefined; fileName = queue.shift()) {
    reached.push(fileName)
    const file = program.getSourceFile(fileName)
    if (file === undefined) throw new Error(`not in the program: ${fileName}`)
    const visit = (node: ts.Node): void => {
      if (
        ts.isImportDeclaration(node) &&
        node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword
      ) {
        const bindings = node.importClause?.namedBindings
        if (
          node.importClause === undefined ||
          (bindings !== undefined && ts.isNamespaceImport(bindings))
        ) {
          // A side-effect import or `import * as`: the module itself runs.
          const module = checker.getSymbolAtLocation(node.moduleSpecifier)
          for (const f of module === undefined ? [] : declaringFiles(module)) reach(f)
        } else if (bindings !== undefined && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            if (element.isTypeOnly) continue
            const symbol = checker.getSymbolAtLocation(element.name)
            for (const f of symbol === undefined ? [] : declaringFiles(symbol)) reach(f)
          }
        }
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] !== undefined &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        const module = checker.getSymbolAtLocation(node.arguments[0])
        for (const f of module === undefined ? [] : declaringFiles(module)) reach(f)
      }
      ts.forEachChild(node, visit)
    }
    visit(file)
  }
  return reached.map((f) => relative(ROOT, f))
}
