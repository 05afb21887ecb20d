import type { NewEvent } from '../../store/index.js';

/** `negotiation.opened` with two principals and a mediator: the legal first event. */
export function opened(id = 'open'): NewEvent {
  return {
    id,
    type: 'negotiation.opened',
    at: '2023-11-22T08:00:00Z',
    data: {
      title: 'Test talks',
      parties: [
        { id: 'israel', name: 'Israel', role: 'principal' },
        { id: 'hamas', name: 'Hamas', role: 'principal' },
        { id: 'qatar', name: 'Qatar', role: 'mediator' },
      ],
    },
  } as NewEvent;
}

/** `aid.delivered`: legal any number of times after the opening. */
export function aid(id: string, trucks = 10): NewEvent {
  return {
    id,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks },
    source: { name: 'UN', confidence: 'reported' },
  } as NewEvent;
}

/** `phase.started` with nothing agreed: the statechart rejects it in every state we reach. */
export function illegal(id: string): NewEvent {
  return { id, type: 'phase.started', at: '2023-11-24T07:00:00Z', data: { phase: 1 } } as NewEvent;
}

/** An event that fails its schema (`trucks` must be a whole number). */
export function malformed(id: string): NewEvent {
  return {
    id,
    type: 'aid.delivered',
    at: '2023-11-24T10:00:00Z',
    data: { region: 'south', trucks: 'many' },
  } as unknown as NewEvent;
}
