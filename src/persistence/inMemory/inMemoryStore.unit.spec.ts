import { eventStoreContract } from '../eventStore.contract.ts';
import { openInMemoryStore } from './inMemoryStore.ts';

eventStoreContract('in-memory store', async () => openInMemoryStore());
