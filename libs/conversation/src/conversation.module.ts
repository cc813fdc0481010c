import { CsatService } from './csat.service';
import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { AdmissionService } from './admission.service';
import { ConversationErasureService } from './conversation-erasure.service';
import { ConversationService } from './conversation.service';
import { HandoffService } from './handoff.service';
import { NotesService } from './notes.service';
import { ContactService } from './contact.service';
import { AutoResolver } from './auto-resolver.service';
import { RetentionJob } from './retention.service';
import { ReplyDraftService } from './reply-draft.service';
import { RestChannelService } from './rest-channel.service';
import { TurnMetrics } from './turn-metrics.service';
import { TurnSweeper } from './turn-sweeper.service';
import { TurnService } from './turn.service';

export interface ConversationModuleOptions {
  /** Modules that provide what the bindings below point at (NluModule, AnswersModule, the gateway's emitter). */
  imports?: ModuleMetadata['imports'];
  /** Must provide `NluPort`, `TemplatePort`, `RetrievalPort`, `FulfillmentPort` and `ChatEmitter`. */
  bindings: Provider[];
}

/** The chat use cases and the turn pipeline. Needs DatabaseModule and ConfigModule (both global). */
@Module({})
export class ConversationModule {
  static register(options: ConversationModuleOptions): DynamicModule {
    return {
      module: ConversationModule,
      // Global: the transports (widget gateway, agent console, REST) all use these use cases.
      global: true,
      imports: options.imports ?? [],
      providers: [AdmissionService, CsatService, ConversationService, ConversationErasureService, TurnService, TurnSweeper, TurnMetrics, HandoffService, ReplyDraftService, RestChannelService, NotesService, ContactService, AutoResolver, RetentionJob, ...options.bindings],
      exports: [AdmissionService, CsatService, ConversationService, ConversationErasureService, TurnService, TurnMetrics, HandoffService, ReplyDraftService, RestChannelService, NotesService, ContactService, AutoResolver, RetentionJob],
    };
  }
}
