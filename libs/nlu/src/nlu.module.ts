import { DynamicModule, Module } from '@nestjs/common';
import { NluModelRepository } from './nlu-model.repository';
import { NLU_OPTIONS, NluModuleOptions, NluService } from './nlu.service';

/** Provides NluService. `forRoot({ modelDir })` loads that model when the module starts. */
@Module({ providers: [NluModelRepository, NluService], exports: [NluService] })
export class NluModule {
  static forRoot(options: NluModuleOptions = {}): DynamicModule {
    return {
      module: NluModule,
      providers: [NluModelRepository, { provide: NLU_OPTIONS, useValue: options }, NluService],
      exports: [NluService],
    };
  }
}
