"""What plugs into or changes Rasa, and the processes around it: the entry point (serve), HTTP edge, process
lifecycle, action server, tracker store (stores), lock store (locks), event broker (broker), dialogue policy
(policy), NLU workers (nlu_pool), garbage collection (gc_tuning), and patches/ (every change to Rasa's code)."""
