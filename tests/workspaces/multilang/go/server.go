package server

import (
	"fmt"
	"net/http"
)

const DefaultPort = 8080

type Handler interface {
	Serve(w http.ResponseWriter, r *http.Request)
}

type Server struct {
	Port int
}

func NewServer(port int) *Server {
	return &Server{Port: port}
}

func (s *Server) Address() string {
	return fmt.Sprintf(":%d", s.Port)
}

func (s *Server) Start(h Handler) error {
	return http.ListenAndServe(s.Address(), nil)
}
