"""Preloaded by the forkserver that render workers are forked from (see render._started_worker_context).

Importing it warms the renderer up once, in the server, instead of once in every worker.
"""

from .render import warm_up

warm_up()
