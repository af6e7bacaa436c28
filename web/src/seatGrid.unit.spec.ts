import { describe, expect, it } from 'vitest';
import { moveInGrid, pageRows } from './seatGrid.ts';

// Three rows of 6, 4 and 6 seats (a shorter row in the middle), then nine rows of 2 for paging.
const rows = [6, 4, 6, ...Array.from({ length: 9 }, () => 2)];
const at = (row: number, column: number) => ({ row, column });

describe('keyboard movement on the seat map grid', () => {
  it('←/→ move along the row and stop at its ends', () => {
    expect(moveInGrid(rows, at(0, 2), 'ArrowRight')).toEqual(at(0, 3));
    expect(moveInGrid(rows, at(0, 2), 'ArrowLeft')).toEqual(at(0, 1));
    expect(moveInGrid(rows, at(0, 5), 'ArrowRight')).toBeUndefined();
    expect(moveInGrid(rows, at(0, 0), 'ArrowLeft')).toBeUndefined();
  });

  it('↑/↓ keep the position in the row, or take the last seat of a shorter row; they stop at the first and last row', () => {
    expect(moveInGrid(rows, at(0, 2), 'ArrowDown')).toEqual(at(1, 2));
    expect(moveInGrid(rows, at(0, 5), 'ArrowDown')).toEqual(at(1, 3));
    expect(moveInGrid(rows, at(1, 3), 'ArrowDown')).toEqual(at(2, 3));
    expect(moveInGrid(rows, at(2, 4), 'ArrowUp')).toEqual(at(1, 3));
    expect(moveInGrid(rows, at(0, 1), 'ArrowUp')).toBeUndefined();
    expect(moveInGrid(rows, at(rows.length - 1, 1), 'ArrowDown')).toBeUndefined();
  });

  it('Home/End go to the ends of the row; with Ctrl, to the first and last seat of the map', () => {
    expect(moveInGrid(rows, at(2, 3), 'Home')).toEqual(at(2, 0));
    expect(moveInGrid(rows, at(2, 3), 'End')).toEqual(at(2, 5));
    expect(moveInGrid(rows, at(2, 3), 'Home', true)).toEqual(at(0, 0));
    expect(moveInGrid(rows, at(2, 3), 'End', true)).toEqual(at(rows.length - 1, 1));
    expect(moveInGrid(rows, at(2, 0), 'Home')).toBeUndefined();
  });

  it('PageUp/PageDown move several rows, no further than the first and last', () => {
    expect(moveInGrid(rows, at(0, 4), 'PageDown')).toEqual(at(pageRows, 1));
    expect(moveInGrid(rows, at(rows.length - 2, 0), 'PageDown')).toEqual(at(rows.length - 1, 0));
    expect(moveInGrid(rows, at(3, 1), 'PageUp')).toEqual(at(0, 1));
  });

  it('leaves every other key to the page', () => {
    expect(moveInGrid(rows, at(1, 1), 'Enter')).toBeUndefined();
    expect(moveInGrid(rows, at(1, 1), 'Tab')).toBeUndefined();
    expect(moveInGrid(rows, at(1, 1), 'a')).toBeUndefined();
  });
});
