/**
 * The layers of pintu, checked in `npm test` (issue 11). Arrows point the way imports may go:
 *
 *   cli, main.ts, main-console.ts, central/main.ts (composition roots: anything)
 *     ├─▶ adapters ──▶ ports ──▶ protocol ──▶ domain
 *     ├─▶ app ───────▶ ports, protocol, domain
 *     ├─▶ central ───▶ ports, protocol, domain (its own stores and receiver; never the door's app)
 *     └─▶ config ────▶ domain (and protocol/signing.ts: a configured public key is checked with the protocol's key parser)
 *
 * A new import against these rules fails CI.
 */
const IO_CORE = '^(fs|fs/promises|net|child_process|dgram|http|https|http2|tls|worker_threads|cluster|os|readline|v8|vm)$';
const IO_NPM = '(^|/)node_modules/(better-sqlite3|pg|pg-[^/]+|mqtt|aedes|serialport|@serialport/[^/]+|onoff|epoll|pino|unix-dgram|nfc-pcsc|@pokusew/[^/]+)/';
const ROOTS = '^src/(cli/|main\\.ts$|main-console\\.ts$|central/main\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure functions and types: it imports nothing from other layers and no I/O.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/zod/'] },
    },
    {
      name: 'ports-are-contracts',
      comment: 'src/ports holds the interfaces between app and adapters: it may name domain and protocol types only.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: ['^src/(ports|domain|protocol)/', '^node_modules/(zod|pino)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ports-types-only-reach',
      comment: 'even type-only imports from ports stay out of app, adapters, central, cli and the roots.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/(app|adapters|central|cli|config)/|^src/main(-console)?\\.ts$' },
    },
    {
      name: 'protocol-is-shared',
      comment: 'src/protocol (topics, messages, canonical JSON, signing, hash chain) is shared by door and centre: domain only.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { pathNot: ['^src/(protocol|domain)/', '^node_modules/zod/', '^crypto$'] },
    },
    {
      name: 'app-uses-ports-not-adapters',
      comment: 'src/app talks to the world through ports only.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/(adapters|central|cli)/', '^src/main(-console)?\\.ts$'] },
    },
    {
      name: 'app-does-no-io',
      comment: 'src/app never opens files, sockets, processes or databases itself: adapters do, behind ports.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: [IO_CORE, IO_NPM], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'adapters-never-import-app',
      comment: 'adapters implement ports; they do not reach into services, the centre or the CLI.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^src/(app|central|cli)/', '^src/main(-console)?\\.ts$'] },
    },
    {
      name: 'config-is-a-leaf',
      comment: 'src/config (schema and loader) depends on the domain, and on protocol/signing.ts only to check a configured public key.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(app|adapters|central|cli|ports|protocol)/|^src/main(-console)?\\.ts$', pathNot: '^src/protocol/signing\\.ts$' },
    },
    {
      name: 'central-is-not-the-door',
      comment: "the centre shares protocol, ports and domain with the door, never the door's services or roots.",
      severity: 'error',
      from: { path: '^src/central/', pathNot: '^src/central/main\\.ts$' },
      to: { path: ['^src/(app|cli)/', '^src/main(-console)?\\.ts$'] },
    },
    {
      name: 'only-roots-import-cli',
      comment: 'nothing but the CLI itself imports the CLI.',
      severity: 'error',
      from: { path: '^src/', pathNot: ROOTS },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-cycles',
      comment: 'modules form no import cycle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|^node_modules/|^(fs|fs/promises|net|child_process|dgram|http|https|http2|tls|worker_threads|cluster|os|readline|v8|vm|crypto|path|url|util|events|stream|perf_hooks|timers|timers/promises|assert|buffer|process|module|zlib)$',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types', 'typings'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
