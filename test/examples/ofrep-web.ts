import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature } from '@openfeature/web-sdk';

// A web page: one request evaluates every flag for the user; reads are then synchronous.
export async function inTheBrowser(baseUrl: string, apiKey: string) {
  await OpenFeature.setContext({ targetingKey: 'user-1', country: 'DE' });
  const provider = new OFREPWebProvider({
    baseUrl,
    headers: [['X-API-Key', apiKey]],
    pollInterval: 30_000, // ask again every 30 s with If-None-Match: 304 while nothing changed
  });
  await OpenFeature.setProviderAndWait(provider);
  const theme = OpenFeature.getClient().getStringValue('checkout/theme', 'light');
  await OpenFeature.close();
  return theme; // 'dark': the flag's rule for country DE
}
