/**
 * The list of a log's events, showing only the items in view and a few either side: the rest
 * of the list is empty space of the right height (margins). A long log otherwise
 * has the browser lay out every item at each step: of the 16.6 s the page took to open
 * 100,000 events (5 December 2026), 11.6 s went to scrolling the current item into view.
 *
 * Items are of two heights, one line or two (an event that moves the statechart says where to
 * on a line of its own); each is measured from an item on show, never assumed.
 *
 * @example
 * const list = new EventList(ol, (row) => itemOf(row), (row) => movesAt(row));
 * list.setRows(steps.length, 0);
 * list.show(41);
 */
export class EventList {
  readonly #el: HTMLElement;
  readonly #build: (row: number) => HTMLLIElement;
  readonly #tall: (row: number) => boolean;
  /** The top of each row, then the end of the last: `#tops[rows]`. */
  #tops: number[] = [0];
  #rows = 0;
  /** The items on show (or shown before and still right), by row. */
  readonly #items = new Map<number, HTMLLIElement>();
  /** Heights of a one-line and a two-line item: measured once one is on show, guessed before. */
  #short = 24;
  #long = 40;
  #pending = false;
  /** The row last asked to be shown. */
  #target: number | undefined;
  /** The first and last item on show, which carry the space of the rows before and after. */
  #edges: [HTMLLIElement | undefined, HTMLLIElement | undefined] = [undefined, undefined];

  constructor(
    el: HTMLElement,
    build: (row: number) => HTMLLIElement,
    tall: (row: number) => boolean,
  ) {
    this.#el = el;
    this.#build = build;
    this.#tall = tall;
    el.addEventListener('scroll', () => this.#schedule(), { passive: true });
    // The list's height changes with the page around it (the deal's title fills the header once
    // its report comes): the row last shown is kept in view, unless scrolled away from.
    new ResizeObserver(() => {
      const target = this.#target;
      if (target !== undefined && this.#items.has(target)) this.show(target);
      else this.#schedule();
    }).observe(el);
  }

  /** The list now holds `rows` rows, of which those from `from` on are new or changed. */
  setRows(rows: number, from: number): void {
    const keep = Math.max(0, Math.min(from, this.#rows, rows));
    for (const row of [...this.#items.keys()]) if (row >= keep) this.#items.delete(row);
    this.#rows = rows;
    this.#layout(keep);
    this.render();
  }

  /** The rows `[from, to)` changed (their heights did not): their items are built again. */
  refresh(from: number, to: number): void {
    for (const row of [...this.#items.keys()]) if (row >= from && row < to) this.#items.delete(row);
    this.render();
  }

  /** Scrolls the least needed for the row to be in view. */
  show(row: number): void {
    if (row < 0 || row >= this.#rows) return;
    this.#target = row;
    // First with the items where they are: measured, they may move every row (heights guessed).
    this.render();
    const top = this.#tops[row] as number;
    const bottom = this.#tops[row + 1] as number;
    const view = this.#el.scrollTop;
    // The list's own height, to the fraction of a pixel (`clientHeight` is rounded), and the
    // scroll rounded so that the row's last pixel is in.
    const height = this.#el.getBoundingClientRect().height;
    if (top < view) this.#el.scrollTop = Math.floor(top);
    else if (bottom > view + height) this.#el.scrollTop = Math.ceil(bottom - height);
    this.render();
  }

  /** The item of a row, when it is on show. */
  item(row: number): HTMLLIElement | undefined {
    return this.#items.get(row);
  }

  /** Puts the items in view (and {@link OVERSCAN} either side) in the list, and only those. */
  render(): void {
    const view = this.#el.scrollTop;
    // No taller than the window, should a stylesheet let the list grow with what it holds.
    const height = Math.min(this.#el.clientHeight, window.innerHeight);
    const first = Math.max(0, this.#rowAt(view) - OVERSCAN);
    const last = Math.min(this.#rows, this.#rowAt(view + height) + 1 + OVERSCAN);
    const shown: HTMLLIElement[] = [];
    for (const row of [...this.#items.keys()]) {
      if (row < first || row >= last) this.#items.delete(row);
    }
    for (let row = first; row < last; row++) {
      let item = this.#items.get(row);
      if (item === undefined) {
        item = this.#build(row);
        this.#items.set(row, item);
      }
      shown.push(item);
    }
    // The rows before and after stand as the margins of the first and last item on show (the
    // list's own padding would keep it from shrinking to the panel it scrolls in).
    for (const item of [this.#edges[0], this.#edges[1]]) item?.style.removeProperty('margin');
    const head = shown[0];
    const tail = shown.at(-1);
    head?.style.setProperty('margin-top', `${this.#tops[first]}px`);
    tail?.style.setProperty(
      'margin-bottom',
      `${(this.#tops[this.#rows] as number) - (this.#tops[last] as number)}px`,
    );
    this.#edges = [head, tail];
    const children = this.#el.children;
    let same = children.length === shown.length;
    for (let i = 0; same && i < shown.length; i++) same = children[i] === shown[i];
    if (!same) this.#el.replaceChildren(...shown);
    this.#measure(first, shown);
  }

  /** Heights taken from items on show; when they differ from those laid out, lay out again. */
  #measure(first: number, shown: readonly HTMLLIElement[]): void {
    let short = this.#short;
    let long = this.#long;
    for (let i = 0; i < shown.length; i++) {
      const height = (shown[i] as HTMLLIElement).getBoundingClientRect().height;
      if (height === 0) return; // not laid out (hidden): nothing to learn
      if (this.#tall(first + i)) long = height;
      else short = height;
    }
    if (Math.abs(short - this.#short) < 0.5 && Math.abs(long - this.#long) < 0.5) return;
    this.#short = short;
    this.#long = long;
    this.#layout(0);
    this.render();
  }

  /** The tops of rows from `from` on. */
  #layout(from: number): void {
    const tops = this.#tops;
    tops.length = this.#rows + 1;
    for (let row = from; row < this.#rows; row++) {
      tops[row + 1] = (tops[row] as number) + (this.#tall(row) ? this.#long : this.#short);
    }
  }

  /** The row at height `y` (the last row's index past the end, 0 for an empty list). */
  #rowAt(y: number): number {
    let low = 0;
    let high = this.#rows;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#tops[mid + 1] as number) <= y) low = mid + 1;
      else high = mid;
    }
    return Math.min(low, Math.max(0, this.#rows - 1));
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.render();
    });
  }
}

/** Items put in the list beyond each edge of the view, so a short scroll shows no gap. */
const OVERSCAN = 20;
