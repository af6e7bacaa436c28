/**
 * A colour per price tier, from a palette in the order tiers are first seen (the legend lists them in that order).
 * The buyer page and the display each have their own palette (light page, dark screen).
 */
export class TierColours {
  private readonly byTier = new Map<string, string>();

  constructor(private readonly palette: readonly string[]) {}

  of(tier: string): string {
    let colour = this.byTier.get(tier);
    if (colour === undefined) {
      colour = this.palette[this.byTier.size % this.palette.length]!;
      this.byTier.set(tier, colour);
    }
    return colour;
  }

  /** Every tier seen so far with its colour, in the order first seen. */
  entries(): [tier: string, colour: string][] {
    return [...this.byTier];
  }
}
