import { z } from 'zod';
import { levelSchema } from '../config/schema.js';
import type { Level } from '../domain/levels.js';
import type { CapWarning } from './cap.js';

/**
 * The level an outside warning raises on a township, by its signal colour (预警信号颜色) —
 * configurable, since an office may treat a 蓝色 signal as information only. Pure.
 */
export const colourLevelsSchema = z
  .strictObject({
    red: levelSchema.nullable().default('I'),
    orange: levelSchema.nullable().default('II'),
    yellow: levelSchema.nullable().default('III'),
    blue: levelSchema.nullable().default('IV'),
  })
  .prefault({});

export type ColourLevels = z.infer<typeof colourLevelsSchema>;

/**
 * The level for a warning, or null: no colour, a colour mapped to nothing, or a message
 * that raises nothing by itself (a Cancel, a Test, a Draft). Exercises map like Actual
 * messages; the caller keeps them apart (演练).
 */
export function warningLevel(w: Pick<CapWarning, 'colour' | 'msgType' | 'status'>, map: ColourLevels): Level | null {
  if (w.msgType === 'Cancel' || w.msgType === 'Ack' || w.msgType === 'Error') return null;
  if (w.status !== 'Actual' && w.status !== 'Exercise') return null;
  return w.colour ? map[w.colour] : null;
}
