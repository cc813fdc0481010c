// onnxruntime-node checks `instanceof Float32Array` etc. against the realm it was loaded in.
// Jest runs each test file in a fresh vm context whose typed-array constructors differ from
// the outer Node realm, so ORT rejects tensors built inside tests. Expose the outer realm's
// constructors to the test context so both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

// PGlite's CommonJS build loads `fs/promises` with a dynamic import(), which Jest's vm contexts refuse
// without --experimental-vm-modules. Load it here, in the outer realm, and hand it to libs/database
// (which uses this global when present and a plain require otherwise).
let pglite;
function outerPglite() {
  pglite ??= {
    PGlite: require('@electric-sql/pglite').PGlite,
    createPgConfig: require('@electric-sql/pglite/node-postgres').createPgConfig,
  };
  return pglite;
}

class OrtFriendlyEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
    Object.defineProperty(this.global, '__PARLEY_OUTER_PGLITE__', { get: outerPglite, configurable: true });
  }
}

module.exports = OrtFriendlyEnvironment;
