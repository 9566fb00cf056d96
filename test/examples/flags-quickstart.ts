import { memorySource } from '@dials/core';
import { createFlags } from '@dials/flags';

export async function flagsQuickstart() {
  // In production: etcdSource(...) and prefix '/flags/shop/production/'; one key per flag.
  const source = memorySource({
    initial: {
      '/flags/shop/new-checkout': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: {
          if: [
            { ends_with: [{ var: 'email' }, '@example.com'] },
            'on', // staff always
            {
              fractional: [
                ['on', 25],
                ['off', 75],
              ],
            }, // 25 % of everyone else
          ],
        },
      },
      '/flags/shop/theme': { state: 'ENABLED', variants: { light: 'light', dark: 'dark' }, defaultVariant: 'light' },
    },
  });
  // Declare the flags once: a typo in a key, or isEnabled on a string flag, does not compile.
  const flags = createFlags<{ 'new-checkout': boolean; theme: string }>({ source, prefix: '/flags/shop/' });
  await flags.ready();

  const staff = flags.isEnabled('new-checkout', { targetingKey: 'user-1', email: 'ana@example.com' }); // true
  const details = flags.evaluate('new-checkout', { targetingKey: 'user-2', email: 'bo@mail.org' }); // { value, variant, reason: 'TARGETING_MATCH', ... }
  const theme = flags.getValue('theme', 'light', { targetingKey: 'user-2' }); // 'light', typed string
  await flags.close();
  return { staff, details, theme };
}
