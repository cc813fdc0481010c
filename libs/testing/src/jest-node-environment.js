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

class OrtFriendlyEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtFriendlyEnvironment;
