/** The fenced ```sh blocks of a Markdown text, each as its text without the fences. */
export const shellBlocks = (text: string): string[] =>
  [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!.trimEnd());
