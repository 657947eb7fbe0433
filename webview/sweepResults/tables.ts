/**
 * The sweep results view's tables: every row of results.csv (sortable by any column, paged: a big sweep has
 * hundreds of thousands of rows), and the shape bias per model with its decision counts and a small bar.
 */
import { sortedRows, type CsvRecord, type ShapeBiasRow } from '../../core/sweepPlots';
import { el } from '../shared/dom';

export const PAGE_SIZE = 100;

export interface SortState {
  column?: string;
  descending: boolean;
}

export class RowsTable {
  readonly element: HTMLElement;
  private readonly table = el('table', { id: 'rows', class: 'rows' });
  private readonly pageLabel = el('span', { class: 'page-label' });
  private readonly prev = el('button', { type: 'button', id: 'rows-prev' }, 'Previous');
  private readonly next = el('button', { type: 'button', id: 'rows-next' }, 'Next');
  private header: string[] = [];
  private records: CsvRecord[] = [];
  private order: number[] = [];
  private page = 0;

  constructor(
    private sort: SortState,
    private readonly onOpen: (config: number) => void,
    private readonly onSort: (sort: SortState) => void,
  ) {
    this.element = el('div', { class: 'rows-box' }, el('div', { class: 'table-scroll' }, this.table), el('div', { class: 'pager' }, this.prev, this.pageLabel, this.next));
    this.prev.addEventListener('click', () => this.turn(-1));
    this.next.addEventListener('click', () => this.turn(1));
  }

  show(header: readonly string[], records: CsvRecord[]): void {
    this.header = [...header];
    this.records = records;
    if (this.sort.column && !header.includes(this.sort.column)) this.sort = { descending: false };
    this.order = sortedRows(records, this.sort.column, this.sort.descending);
    this.page = Math.min(this.page, Math.max(0, Math.ceil(records.length / PAGE_SIZE) - 1));
    this.render();
  }

  private turn(delta: number): void {
    const pages = Math.max(1, Math.ceil(this.records.length / PAGE_SIZE));
    this.page = Math.max(0, Math.min(pages - 1, this.page + delta));
    this.render();
  }

  private sortBy(column: string): void {
    this.sort = { column, descending: this.sort.column === column ? !this.sort.descending : false };
    this.order = sortedRows(this.records, this.sort.column, this.sort.descending);
    this.page = 0;
    this.onSort(this.sort);
    this.render();
  }

  private render(): void {
    const head = el(
      'tr',
      {},
      ...this.header.map((h) => {
        const sorted = this.sort.column === h;
        const th = el('th', { scope: 'col', 'aria-sort': sorted ? (this.sort.descending ? 'descending' : 'ascending') : undefined }, el('button', { type: 'button', 'data-column': h, title: `Sort by ${h}` }, h, sorted ? (this.sort.descending ? ' ▼' : ' ▲') : ''));
        th.querySelector('button')?.addEventListener('click', () => this.sortBy(h));
        return th;
      }),
    );
    const start = this.page * PAGE_SIZE;
    const body = el('tbody');
    for (const i of this.order.slice(start, start + PAGE_SIZE)) {
      const r = this.records[i];
      const tr = el('tr', { 'data-config': r.config, class: r.error ? 'has-error' : undefined, title: `Open configuration ${r.config} as a scene` }, ...this.header.map((h) => el('td', {}, r[h] ?? '')));
      tr.addEventListener('click', () => this.onOpen(Number(r.config)));
      body.append(tr);
    }
    this.table.replaceChildren(el('thead', {}, head), body);
    const pages = Math.max(1, Math.ceil(this.records.length / PAGE_SIZE));
    this.pageLabel.textContent = `rows ${this.records.length === 0 ? 0 : start + 1}-${Math.min(start + PAGE_SIZE, this.records.length)} of ${this.records.length} (page ${this.page + 1}/${pages})`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.table.dataset.rows = String(this.records.length);
  }
}

function percent(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(1)}%`;
}

/** Shape bias per model: a bar (shape share of shape + texture decisions) and the counts. */
export function shapeBiasTable(rows: readonly ShapeBiasRow[], displayNames: ReadonlyMap<string, string>): HTMLElement {
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-model': r.model },
      el('th', { scope: 'row' }, displayNames.get(r.model) ?? r.model),
      el('td', {}, el('div', { class: 'bias-cell' }, el('div', { class: 'bias-bar', title: 'shape decisions / (shape + texture decisions)' }, el('div', { class: 'bias-fill', style: `width: ${((r.shapeBias ?? 0) * 100).toFixed(1)}%` })), percent(r.shapeBias))),
      el('td', {}, String(r.shapeDecisions)),
      el('td', {}, String(r.textureDecisions)),
      el('td', {}, String(r.otherDecisions)),
    ),
  );
  return el(
    'table',
    { id: 'shape-bias-table', class: 'bias' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Model'), el('th', {}, 'Shape bias'), el('th', {}, 'Shape'), el('th', {}, 'Texture'), el('th', {}, 'Other'))),
    el('tbody', {}, ...body),
  );
}
