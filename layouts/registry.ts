import type { LayoutName } from '../compiler/format/site-schema.ts';
import { bangTinDoc } from './bang-tin-doc/index.ts';
import { bangTinNgang } from './bang-tin-ngang/index.ts';
import type { LayoutTemplate } from './common/layout-types.ts';
import { ledChayChu } from './led-chay-chu/index.ts';
import { ledGon } from './led-gon/index.ts';

/** Every layout a site may name; the site schema's enum is the same list. */
export const LAYOUTS: Record<LayoutName, LayoutTemplate> = {
  'bang-tin-ngang': bangTinNgang as unknown as LayoutTemplate,
  'bang-tin-doc': bangTinDoc as unknown as LayoutTemplate,
  'led-gon': ledGon as unknown as LayoutTemplate,
  'led-chay-chu': ledChayChu as unknown as LayoutTemplate,
};
