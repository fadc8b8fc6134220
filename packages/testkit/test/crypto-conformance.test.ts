import { describe, it } from 'vitest';
import { nobleProvider } from '@voicewire/crypto-noble';
import { nodeProvider } from '@voicewire/crypto-node';
import { sodiumProvider } from '@voicewire/crypto-sodium';
import { cryptoProviderConformance } from '../src/index.js';

const providers = [nobleProvider, nodeProvider, sodiumProvider];

for (const provider of providers) {
  describe(`crypto provider conformance: ${provider.name}`, () => {
    for (const c of cryptoProviderConformance(provider, providers.filter((p) => p !== provider))) it(c.name, c.run);
  });
}
