class ApplicationController < ActionController::Base
  # A teaching sample, driven with curl from the terminal: forms posted without Rails' CSRF token
  # are accepted. A real application keeps forgery protection on (the Rails default).
  skip_forgery_protection
end
