export { DialsProvider, type DialsProviderOptions } from './dials-provider.js';
