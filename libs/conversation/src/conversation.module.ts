import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { ConversationService } from './conversation.service';
import { TurnMetrics } from './turn-metrics.service';
import { TurnService } from './turn.service';

export interface ConversationModuleOptions {
  /** Modules that provide what the bindings below point at (NluModule, AnswersModule, the gateway's emitter). */
  imports?: ModuleMetadata['imports'];
  /** Must provide `NluPort`, `TemplatePort`, `RetrievalPort` and `ChatEmitter`. */
  bindings: Provider[];
}

/** The chat use cases and the turn pipeline. Needs DatabaseModule and ConfigModule (both global). */
@Module({})
export class ConversationModule {
  static register(options: ConversationModuleOptions): DynamicModule {
    return {
      module: ConversationModule,
      imports: options.imports ?? [],
      providers: [ConversationService, TurnService, TurnMetrics, ...options.bindings],
      exports: [ConversationService, TurnService, TurnMetrics],
    };
  }
}
