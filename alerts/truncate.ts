/** `text` cut to `max` characters, an ellipsis marking the cut: receivers reject fields past their limits. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
