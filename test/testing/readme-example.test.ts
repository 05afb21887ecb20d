import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EventInput, given } from '../../testing/index.js';

// The README's example, as a user would write it (type-checked by `npm run typecheck`).
const opened: EventInput = {
  type: 'negotiation.opened',
  data: {
    title: 'Test deal',
    parties: [
      { id: 'israel', name: 'Israel', role: 'principal' },
      { id: 'hamas', name: 'Hamas', role: 'principal' },
      { id: 'qatar', name: 'Qatar', role: 'mediator' },
    ],
  },
};
const proposal: EventInput = {
  type: 'proposal.sent',
  data: {
    proposalId: 'p1',
    from: 'qatar',
    terms: {
      phases: [{ days: 4, hostages: [{ category: 'women-and-children', count: 13 }] }],
      permanentCeasefire: false,
    },
  },
};

describe('the README testing example', () => {
  it('runs as written', () => {
    given([
      opened,
      proposal,
      { type: 'proposal.accepted', data: { proposalId: 'p1', by: 'israel' } },
    ])
      .when({ type: 'proposal.accepted', data: { proposalId: 'p1', by: 'hamas' } })
      .thenState('agreed');
    given([opened, proposal])
      .when({ type: 'proposal.accepted', data: { proposalId: 'p1', by: 'qatar' } })
      .thenRejected('party.notPrincipal');
  });

  it('is still the one in the README', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(".thenRejected('party.notPrincipal');");
    expect(readme).toContain(
      "import { type EventInput, expectGoldenReplay, given } from 'truce/testing';",
    );
  });

  it('the package exports the helpers as truce/testing', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['./testing'].default).toBe('./dist/testing/index.js');
  });
});
