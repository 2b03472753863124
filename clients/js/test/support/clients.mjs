// Opens clients for a test and closes them all afterwards.
import { Client } from '../../dist/index.js';

export function clientPool(defaults = {}) {
  const clients = [];
  return {
    async open(options = {}) {
      const client = new Client({ client: 'js-tests', ...defaults, ...options });
      clients.push(client);
      await client.connect();
      return client;
    },
    async closeAll() {
      await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
    },
  };
}
