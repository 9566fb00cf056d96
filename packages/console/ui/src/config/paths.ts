import { encodePath } from '../app/router.tsx';

/** The console URL of a key or a folder: `/config/` and the key without its leading `/`. */
export const keyUrl = (keyOrPrefix: string) => `/config/${encodePath(keyOrPrefix)}`;
