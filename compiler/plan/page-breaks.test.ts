import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BREAK_COST, PAGE_COST, breakKindAfter, pageCost, type PageCandidate } from './page-breaks.ts';

const page = (overrides: Partial<PageCandidate>): PageCandidate => ({
  lines: 4,
  capacity: 4,
  breakKind: 'block',
  startsWithLastLine: false,
  endsWithFirstLine: false,
  only: false,
  ...overrides,
});

test('how a word ends the text before a page break', () => {
  assert.equal(breakKindAfter('mm.'), 'sentence');
  assert.equal(breakKindAfter('18/11/2026).'), 'sentence');
  assert.equal(breakKindAfter('“thật!”'), 'sentence');
  assert.equal(breakKindAfter('sâu;'), 'clause');
  assert.equal(breakKindAfter('Hai:'), 'clause');
  assert.equal(breakKindAfter('làng,'), 'comma');
  assert.equal(breakKindAfter('–'), 'comma');
  assert.equal(breakKindAfter('Ngol'), 'word');
  assert.equal(breakKindAfter('22/11'), 'word');
});

test('between paragraphs is cheapest, mid-sentence dearest; one extra page outweighs one mid-sentence break only', () => {
  const kinds = ['block', 'sentence', 'clause', 'comma', 'word'] as const;
  const costs = kinds.map((breakKind) => pageCost(page({ breakKind })));
  assert.deepEqual([...costs].sort((a, b) => a - b), costs);
  assert.ok(BREAK_COST.word < PAGE_COST && BREAK_COST.word + BREAK_COST.sentence > PAGE_COST);
});

test('lone lines cost more than an extra page; the last page may be short', () => {
  const plain = pageCost(page({}));
  assert.ok(pageCost(page({ endsWithFirstLine: true })) - plain > PAGE_COST);
  assert.ok(pageCost(page({ startsWithLastLine: true })) - plain > PAGE_COST);
  assert.ok(pageCost(page({ lines: 1 })) > pageCost(page({ lines: 2 })));
  assert.equal(pageCost(page({ lines: 1, only: true, breakKind: undefined })), PAGE_COST);
  // Unused room costs on a page the text goes on from, not on the last page.
  assert.ok(pageCost(page({ lines: 2 })) > plain);
  assert.equal(pageCost(page({ lines: 2, breakKind: undefined })), pageCost(page({ lines: 4, breakKind: undefined })));
});
