import { InitialSchema1795928267390 } from './1795928267390-InitialSchema';
import { AgentsReviewHandoff1796100000000 } from './1796100000000-AgentsReviewHandoff';
import { MessageAgent1796100000001 } from './1796100000001-MessageAgent';
import { ModelRegistryJobs1796200000000 } from './1796200000000-ModelRegistryJobs';
import { KbSearchVectorInline1796300000000 } from './1796300000000-KbSearchVectorInline';
import { ConversationOwedReply1796400000000 } from './1796400000000-ConversationOwedReply';
import { TemplateSourceParley1796500000000 } from './1796500000000-TemplateSourceParley';
import { TemplatesAffirmDeny1796600000000 } from './1796600000000-TemplatesAffirmDeny';
import { TemplateWebhook1796700000000 } from './1796700000000-TemplateWebhook';
import { MessageSuggestions1796800000000 } from './1796800000000-MessageSuggestions';
import { CsatResponse1796900000000 } from './1796900000000-CsatResponse';
import { CannedResponse1797000000000 } from './1797000000000-CannedResponse';
import { WebhookDelivery1797100000000 } from './1797100000000-WebhookDelivery';
import { ApiToken1797200000000 } from './1797200000000-ApiToken';
import { ConversationCustomer1797300000000 } from './1797300000000-ConversationCustomer';
import { ConversationNote1797400000000 } from './1797400000000-ConversationNote';
import { ConversationContactEmail1797500000000 } from './1797500000000-ConversationContactEmail';
import { ConversationOpenIdleIndex1797600000000 } from './1797600000000-ConversationOpenIdleIndex';
import { ConversationClosedIndex1797700000000 } from './1797700000000-ConversationClosedIndex';

/** Every migration, oldest first. Listed explicitly so ts-jest, tsx and the compiled build load the same set. */
export const MIGRATIONS = [InitialSchema1795928267390, AgentsReviewHandoff1796100000000, MessageAgent1796100000001, ModelRegistryJobs1796200000000, KbSearchVectorInline1796300000000, ConversationOwedReply1796400000000, TemplateSourceParley1796500000000, TemplatesAffirmDeny1796600000000, TemplateWebhook1796700000000, MessageSuggestions1796800000000, CsatResponse1796900000000, CannedResponse1797000000000, WebhookDelivery1797100000000, ApiToken1797200000000, ConversationCustomer1797300000000, ConversationNote1797400000000, ConversationContactEmail1797500000000, ConversationOpenIdleIndex1797600000000, ConversationClosedIndex1797700000000];
