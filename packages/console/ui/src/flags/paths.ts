import { encodePath } from '../app/router.tsx';

/** The console URL of a flag prefix (`/flags/shop/dev/`) or a flag in it. */
export const flagUrl = (prefixOrFlag: string) => `/flags/${encodePath(prefixOrFlag)}`;
