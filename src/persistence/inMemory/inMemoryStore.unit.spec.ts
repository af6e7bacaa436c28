import { eventStoreContract } from '../eventStore.contract.ts';
import { orderIndexContract } from '../orderIndex.contract.ts';
import { outboxContract } from '../outbox.contract.ts';
import { projectionStoreContract } from '../projectionStore.contract.ts';
import { openInMemoryStore } from './inMemoryStore.ts';

eventStoreContract('in-memory store', async () => openInMemoryStore());
orderIndexContract('in-memory store', async () => openInMemoryStore());
outboxContract('in-memory store', async () => openInMemoryStore());
projectionStoreContract('in-memory store', async () => openInMemoryStore());
