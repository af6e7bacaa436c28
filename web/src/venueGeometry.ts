import type { EventLayoutView } from '../../client-sdk/src/index.ts';

/**
 * Where the live display draws each seat, in seat pitches (one seat is one unit wide and one row one unit tall):
 * seated sections one under the other, each under its name, rows left-aligned after a margin for the row labels.
 * The page scales the whole to its screen. Pure, so it is tested without a page.
 */
export type VenueGeometry = Readonly<{
  width: number;
  height: number;
  /** Seat centres in layout order (the order of the status form and DisplayModel.seats). */
  x: Float32Array;
  y: Float32Array;
  labels: readonly Readonly<{ text: string; x: number; y: number; kind: 'section' | 'row' }>[];
}>;

const rowLabelWidth = 2;
const sectionTitleHeight = 1.6;
const sectionGap = 1;

export const venueGeometry = (layout: EventLayoutView): VenueGeometry => {
  const seated = layout.sections.filter((section) => section.kind === 'seated');
  const count = seated.reduce(
    (sum, section) => sum + section.rows.reduce((rows, row) => rows + row.seats.length, 0),
    0,
  );
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  const labels: { text: string; x: number; y: number; kind: 'section' | 'row' }[] = [];
  let index = 0;
  let top = 0;
  let width = rowLabelWidth;
  for (const section of seated) {
    labels.push({ text: section.name, x: 0, y: top + sectionTitleHeight / 2, kind: 'section' });
    top += sectionTitleHeight;
    for (const row of section.rows) {
      labels.push({ text: row.id, x: 0, y: top + 0.5, kind: 'row' });
      for (let seat = 0; seat < row.seats.length; seat++) {
        x[index] = rowLabelWidth + seat + 0.5;
        y[index] = top + 0.5;
        index += 1;
      }
      width = Math.max(width, rowLabelWidth + row.seats.length);
      top += 1;
    }
    top += sectionGap;
  }
  return { width, height: Math.max(1, top - sectionGap), x, y, labels };
};

/** The scale and offset that fit a geometry into a box, centred, keeping its proportions. */
export const fitInto = (geometry: Pick<VenueGeometry, 'width' | 'height'>, boxWidth: number, boxHeight: number) => {
  const scale = Math.min(boxWidth / geometry.width, boxHeight / geometry.height);
  return {
    scale,
    offsetX: (boxWidth - geometry.width * scale) / 2,
    offsetY: (boxHeight - geometry.height * scale) / 2,
  };
};
