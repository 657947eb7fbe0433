/**
 * A catalogue entry for the fixture model served by a local HTTP server at `base` (test/unit/installModel.test.ts and
 * the Download Model extension test): a zoo-like entry whose file is the given bytes. Not a test file itself.
 */
import { createHash } from 'node:crypto';
import type { CatalogEntry } from '../../core/modelCatalog';

export function fixtureCatalogEntry(base: string, bytes: Uint8Array, over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id: 'test-fixture',
    displayName: 'Test fixture',
    description: 'served from 127.0.0.1',
    fileName: 'fixture-download.onnx',
    url: `${base}/fixture.onnx`,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    licence: 'MIT',
    homepage: base,
    input: { name: 'input', width: 64, height: 64, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'logits', kind: 'logits' },
    // The fixture is of no known family: core/layerNames proposes no aliases, and none are expected.
    layers: { family: 'generic', source: '' },
    ...over,
  };
}
