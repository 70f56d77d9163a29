/** Reactions are emoji or `:shortcode:` names, never free text. */

const SHORTCODE = /^:[a-z0-9_+-]{1,62}:$/;
const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3)+$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/** Whether `value` may be used as a reaction. */
export function isReaction(value: string): boolean {
  if (SHORTCODE.test(value)) return true;
  return EMOJI_ONLY.test(value) && PICTOGRAPH.test(value);
}
