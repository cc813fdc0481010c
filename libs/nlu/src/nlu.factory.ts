import { NluModelRepository } from './nlu-model.repository';
import { NluModuleOptions, NluService } from './nlu.service';

/**
 * NluService without Nest, for the CLI, benches and scripts. Loads `options.modelDir` when given.
 * Call `close()` when done: the inference workers keep the process alive.
 */
export async function createNluService(options: NluModuleOptions = {}): Promise<NluService> {
  const service = new NluService(new NluModelRepository(), options);
  if (options.modelDir) await service.load(options.modelDir);
  return service;
}
