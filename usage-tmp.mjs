import ts from 'typescript'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
function walk(d, out=[]) { for (const e of readdirSync(d)) { if (e==='node_modules'||e==='dist'||e.startsWith('.')) continue; const p=join(d,e); const s=statSync(p); if (s.isDirectory()) walk(p,out); else if (/\.(ts|tsx|mts)$/.test(e) && !e.endsWith('.d.ts')) out.push(p) } return out }
const files = walk('packages')
const uses = {} // key pkg:name -> set of files
for (const f of files) {
  const sf = ts.createSourceFile(f, readFileSync(f,'utf8'), ts.ScriptTarget.Latest)
  const own = f.split('/')[1]
  for (const st of sf.statements) {
    if ((ts.isImportDeclaration(st)||ts.isExportDeclaration(st)) && st.moduleSpecifier) {
      const spec = st.moduleSpecifier.text
      let pkg
      let m = spec.match(/^@groupsync\/([^/]+)(\/.*)?$/)
      if (m) pkg = m[1] + (m[2]??'')
      else if (/src\/index\.js$/.test(spec) && f.includes('/test/')) pkg = own
      else if (/src\/testing\.js$/.test(spec) && f.includes('/test/')) pkg = own + '/testing'
      else continue
      let names = []
      if (ts.isImportDeclaration(st)) { const nb = st.importClause?.namedBindings; if (nb && ts.isNamedImports(nb)) names = nb.elements.map(e => (e.propertyName??e.name).text); else if (nb) names=['*'] }
      else { if (st.exportClause && ts.isNamedExports(st.exportClause)) names = st.exportClause.elements.map(e => (e.propertyName??e.name).text); else names=['*'] }
      for (const n of names) { const k = pkg+':'+n; (uses[k] ??= new Set()).add(f.replace(/^packages\//,'')) }
    }
  }
}
// examples dir? 
const pkgs = ['core','claims','sync','store-memory','store-postgres','store-contract','cli','dev-provider']
const fl=[]
for (const p of pkgs) { const m = JSON.parse(readFileSync(`packages/${p}/package.json`,'utf8')); for (const [k,v] of Object.entries(m.exports)) fl.push([p+k.slice(1), `packages/${p}/`+v.types]) }
const program = ts.createProgram(fl.map(f=>f[1]), {module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true})
const checker = program.getTypeChecker()
for (const [name, f] of fl) {
  if (process.argv[2] && name !== process.argv[2]) continue
  console.log('=====', name)
  for (const e of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(f)))) {
    const u = [...(uses[name+':'+e.name]??[])]
    const ext = u.filter(x => !x.startsWith(name.split('/')[0]+'/'))
    const int = u.filter(x => x.startsWith(name.split('/')[0]+'/'))
    console.log(e.name.padEnd(40), `ext=${ext.length} owntest=${int.length}`, ext.map(x=>x.replace(/\/(src|test)\//,':')).join(' '))
  }
}
